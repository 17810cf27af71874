"""A ViT small enough to read layer by layer: 32x32 images cut into 8x8 patches (16 tokens and
a class token), one encoder layer of width 64 with 4 heads, 10 classes. Plain PyTorch, no
torchvision: ``mobicost table examples/models/tiny_vit.py:build`` costs it. ``tiny_vit.onnx``
beside it (and its weights, ``tiny_vit.onnx.data``) is this model exported by
``torch.onnx.export(build(), (torch.randn(1, 3, 32, 32),), "tiny_vit.onnx", dynamo=True,
optimize=False)``: ``mobicost table examples/models/tiny_vit.onnx`` costs the file."""

from __future__ import annotations

import torch
from torch import nn


class TinyViT(nn.Module):
    def __init__(self, size: int = 32, patch: int = 8, dim: int = 64, heads: int = 4) -> None:
        super().__init__()
        tokens = (size // patch) ** 2
        self.patches = nn.Conv2d(3, dim, patch, stride=patch)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.position = nn.Parameter(torch.zeros(1, tokens + 1, dim))
        self.norm1 = nn.LayerNorm(dim)
        self.attention = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.head = nn.Linear(dim, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patches(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1) + self.position
        y = self.norm1(x)
        x = x + self.attention(y, y, y, need_weights=False)[0]
        x = x + self.mlp(self.norm2(x))
        return self.head(x[:, 0])


def build() -> nn.Module:
    return TinyViT()
