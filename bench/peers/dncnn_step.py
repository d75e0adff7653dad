"""Times training steps of a DnCNN-style denoiser with Debian's python3-torch: the same network, loss, optimiser and
shapes as `hinas train --task denoise --arch dncnn --profile-memory` (written here independently, for the comparison).

Network: conv 3x3 (with bias) + ReLU, (depth - 2) x [conv 3x3 (no bias) + BatchNorm + ReLU],
conv 3x3 (with bias) to the image channels; output = input - that (residual). Loss: MSE + 0.5 * (-log10 SSIM), SSIM
with an 11x11 Gaussian window (sigma 1.5) over valid positions, C1 = 0.01^2, C2 = 0.03^2. Adam, lr 1e-3.
Prints one JSON object: parameters, peak resident memory over the memory before the steps, seconds per step
(the first step excluded).

Usage: dncnn_step.py [--depth D] [--width W] [--batch B] [--crop C] [--channels N] [--steps S] [--threads T]
"""
import argparse
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from process_memory import measure_steps


class DnCnn(nn.Module):
    def __init__(self, channels, depth, width):
        super().__init__()
        layers = [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
        layers.append(nn.Conv2d(width, channels, 3, padding=1))
        self.body = nn.Sequential(*layers)

    def forward(self, x):
        return x - self.body(x)


def gaussian_window(channels, size=11, sigma=1.5, dtype=torch.float32):
    taps = torch.tensor([math.exp(-((i - size // 2) ** 2) / (2 * sigma * sigma)) for i in range(size)], dtype=dtype)
    taps = taps / taps.sum()
    return torch.outer(taps, taps).expand(channels, 1, size, size).contiguous()


def ssim(x, y, window):
    c = x.shape[1]
    f = lambda t: F.conv2d(t, window, groups=c)
    mx, my = f(x), f(y)
    vx = f(x * x) - mx * mx
    vy = f(y * y) - my * my
    cov = f(x * y) - mx * my
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    return (((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--width", type=int, default=26)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--crop", type=int, default=48)
    parser.add_argument("--channels", type=int, default=1)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if args.steps < 2:
        parser.error("--steps must be at least 2 (the first is excluded from the time)")
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    network = DnCnn(args.channels, args.depth, args.width)
    network.train()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    window = gaussian_window(args.channels)
    generator = torch.Generator().manual_seed(1)

    def step():
        clean = torch.rand(args.batch, args.channels, args.crop, args.crop, generator=generator)
        noisy = clean + 25 / 255 * torch.randn(clean.shape, generator=generator)
        output = network(noisy)
        loss = F.mse_loss(output, clean) - 0.5 * torch.log10(ssim(output, clean, window).clamp_min(1e-6))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    peak, seconds = measure_steps(step, args.steps)
    print(json.dumps({
        "implementation": "PyTorch DnCNN",
        "torch": torch.__version__,
        "mkldnn": torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled,
        "threads": torch.get_num_threads(),
        "network": f"DnCNN depth {args.depth} width {args.width}",
        "parameters": sum(p.numel() for p in network.parameters()),
        "batch": args.batch,
        "crop": args.crop,
        "steps": args.steps,
        "peak_memory_bytes": peak,
        "seconds_per_step": seconds,
    }))


if __name__ == "__main__":
    main()
