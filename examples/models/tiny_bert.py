"""A text encoder small enough to read layer by layer: token ids (a vocabulary of 1,000) embedded
in width 64 with learned positions for up to 64 tokens, two encoder layers of 4 heads, and a
2-class head on the first token, as BERT classifies. Plain PyTorch:
``mobicost table examples/models/tiny_bert.py:build --input tokens:64`` costs it on 64 token
ids."""

from __future__ import annotations

import torch
from torch import nn


class TinyBert(nn.Module):
    def __init__(self, vocabulary: int = 1000, dim: int = 64, heads: int = 4) -> None:
        super().__init__()
        self.tokens = nn.Embedding(vocabulary, dim)
        self.position = nn.Parameter(torch.zeros(1, 64, dim))
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(dim, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.tokens(ids) + self.position[:, : ids.shape[1]]
        return self.head(self.encoder(x)[:, 0])


def build() -> nn.Module:
    return TinyBert()
