#!/usr/bin/python3
"""city96's train.py update on a classifier PredictorModel, for HeadTrainerTorchTest: AdamW (torch defaults,
weight decay 0.01), CosineAnnealingLR over the updates, CrossEntropyLoss(weights) on the model's softmax output with
one-hot targets, dropout off (the Java side draws its own masks). Prints the state dict after the updates as JSON.

    /usr/bin/python3 scripts/reference/train_step.py REQUEST.json
REQUEST: {"x": [[...768]...], "y": [class...], "lr", "updates", "class_weights", "head": previous .safetensors}
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heads  # noqa: E402


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    model = heads.load_head(req["head"])
    model.train()
    model.down[2].p = 0.0  # Dropout(0.1) off: the masks cannot be the same draws on both sides
    x = torch.tensor(req["x"], dtype=torch.float32)
    y = torch.zeros(len(req["y"]), model.outputs)
    for i, c in enumerate(req["y"]):
        y[i, c] = 1.0
    updates = int(req["updates"])
    optimizer = torch.optim.AdamW(model.parameters(), lr=float(req["lr"]))
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=updates)
    criterion = torch.nn.CrossEntropyLoss(torch.tensor(req["class_weights"], dtype=torch.float32))
    for _ in range(updates):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    print(json.dumps({k: [float(v) for v in t.detach().reshape(-1)] for k, t in model.state_dict().items()}))


if __name__ == "__main__":
    main()
