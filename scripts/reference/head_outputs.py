#!/usr/bin/python3
"""A head file run the way city96's inference.py runs it (PredictorModel, config's model_params, eval mode) on
embeddings given as JSON: what a trained revision must reproduce in sieve (HeadTrainingTest).

    /usr/bin/python3 scripts/reference/head_outputs.py HEAD.safetensors EMBEDDINGS.json
EMBEDDINGS: [[768 floats], ...]; prints {"labels": [...], "outputs": [[per label], ...]}.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import heads  # noqa: E402


def main():
    path, embeddings = sys.argv[1], sys.argv[2]
    model = heads.load_head(path)
    with open(path[: -len(".safetensors")] + ".config.json") as f:
        labels = json.load(f)["labels"]
    with open(embeddings) as f:
        x = torch.tensor(json.load(f), dtype=torch.float32)
    with torch.no_grad():
        y = model(x)
    print(json.dumps({"labels": [labels[str(k)] for k in range(model.outputs)],
                      "outputs": [[float(v) for v in row] for row in y]}))


if __name__ == "__main__":
    main()
