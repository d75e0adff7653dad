"""Times search steps of the official HiNAS code (a checkout given by path) on CPU with Debian's python3-torch.

One search step = one architecture update (Adam on alphas/betas) plus one weight update (SGD), each a forward and
backward of the supernet on its own batch, as the official searcher does once the architecture epochs start.
Prints one JSON object: parameters, peak resident memory over the memory before the steps, seconds per step
(the first step excluded).

Usage: official_search_step.py CHECKOUT [--steps N] [--batch B] [--crop C] [--threads T]
The checkout is only imported, never copied. Its config system needs yacs, which Debian does not package:
a small stand-in CfgNode is registered as yacs.config below.
"""
import argparse
import json
import sys
import types

import yaml

from process_memory import measure_steps


class CfgNode(dict):
    """Just what the official config code uses: attribute access, nested nodes, YAML and list merges, freezing."""

    def __init__(self, init=None):
        super().__init__()
        object.__setattr__(self, "_frozen", False)
        for key, value in (init or {}).items():
            self[key] = CfgNode(value) if isinstance(value, dict) else value

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name)

    def __setattr__(self, name, value):
        if self._frozen:
            raise AttributeError(f"config is frozen: cannot set {name}")
        self[name] = value

    def merge_from_other(self, other, prefix=""):
        for key, value in other.items():
            if key not in self:
                raise KeyError(f"unknown config key {prefix}{key}")
            if isinstance(self[key], CfgNode):
                self[key].merge_from_other(value, prefix + key + ".")
            else:
                old = self[key]
                if isinstance(old, tuple) and isinstance(value, list):
                    value = tuple(value)
                elif isinstance(old, float) and isinstance(value, int):
                    value = float(value)
                self[key] = value

    def merge_from_file(self, path):
        with open(path) as f:
            self.merge_from_other(yaml.safe_load(f) or {})

    def merge_from_list(self, items):
        for key, value in zip(items[0::2], items[1::2]):
            target = self
            parts = key.split(".")
            for part in parts[:-1]:
                target = target[part]
            if isinstance(value, str):
                try:
                    value = yaml.safe_load(value)
                except yaml.YAMLError:
                    pass
            dict.__setitem__(target, parts[-1], value)

    def freeze(self):
        for value in self.values():
            if isinstance(value, CfgNode):
                value.freeze()
        object.__setattr__(self, "_frozen", True)

    def defrost(self):
        for value in self.values():
            if isinstance(value, CfgNode):
                value.defrost()
        object.__setattr__(self, "_frozen", False)

    def clone(self):
        copy = CfgNode(self)
        return copy

    def __str__(self):
        return yaml.safe_dump(json.loads(json.dumps(self, default=list)))


def install_yacs_stand_in():
    yacs = types.ModuleType("yacs")
    config = types.ModuleType("yacs.config")
    config.CfgNode = CfgNode
    yacs.config = config
    sys.modules["yacs"] = yacs
    sys.modules["yacs.config"] = config


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("checkout")
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--crop", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--config", default="configs/dn/BSD500_3c4n/03_search_CR_R0.yaml")
    args = parser.parse_args()
    if args.steps < 2:
        parser.error("--steps must be at least 2 (the first is excluded from the time)")

    import torch
    torch.set_num_threads(args.threads)
    install_yacs_stand_in()
    sys.path.insert(0, args.checkout)
    from one_stage_nas.config import cfg
    from one_stage_nas.modeling import loss as official_loss
    from one_stage_nas.modeling.architectures import build_model
    from one_stage_nas.solver import make_optimizer

    cfg.merge_from_file(f"{args.checkout}/{args.config}")
    cfg.freeze()
    # the official SSIM losses move their window to CUDA when built; build them on the CPU instead
    ssim = official_loss.loss_dict["log_ssim"]
    official_loss.loss_dict["log_ssim"] = lambda **kw: ssim(is_cuda=False, **kw)

    torch.manual_seed(cfg.SEARCH.R_SEED)
    model = build_model(cfg)
    model.train()
    optimizer = make_optimizer(cfg, model)
    channels = cfg.MODEL.IN_CHANNEL

    generator = torch.Generator().manual_seed(1)

    def batch():
        clean = torch.rand(args.batch, channels, args.crop, args.crop, generator=generator)
        noisy = (clean + 25 / 255 * torch.randn(clean.shape, generator=generator)).clamp(0, 1)
        return noisy, clean

    def update(name):
        images, targets = batch()
        loss = sum(model(images, targets).values()).mean()
        optimizer[name].zero_grad()
        loss.backward()
        optimizer[name].step()
        return loss.item()

    def search_step():
        update("optim_a")
        update("optim_w")

    peak, seconds = measure_steps(search_step, args.steps)
    print(json.dumps({
        "implementation": "official HiNAS (Dn_supernet)",
        "torch": torch.__version__,
        "mkldnn": torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in model.w_parameters()),
        "batch": args.batch,
        "crop": args.crop,
        "steps": args.steps,
        "peak_memory_bytes": peak,
        "seconds_per_step": seconds,
    }))


if __name__ == "__main__":
    main()
