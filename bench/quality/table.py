"""Markdown tables from one or more bench/quality results.jsonl files (bench/quality/collect.py)."""
import json, statistics, sys

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]


def key(r):
    return (r["task"], r["sigma"])


def label(r):
    return r["task"] + (f" @σ{r['sigma']}" if r["sigma"] else "")


def number(value):
    return f"{value:.4f}" if value is not None else "–"


def ms(r):
    return f"{r['ort_ms_640x360']:.1f}" if r["ort_ms_640x360"] is not None else "–"


print("| task | network | PSNR (dB) | SSIM | params | GFLOPs/MP | ONNX Runtime ms at 640×360 | iterations (best) | training s |")
print("|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {label(r)} | {r['net']}: {r['network']} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['params']:,} | {r['gflops_per_mp']:.1f} | "
          f"{ms(r)} | {r['iterations']:,} ({r['best_iteration']:,}) | {r['train_seconds']:,} |")

print()
print("| task | input PSNR | found | baseline | median of 3 random | found − baseline | found − median random | params found / baseline | ms found / baseline |")
print("|---|---|---|---|---|---|---|---|---|")
for k in dict.fromkeys(key(r) for r in rows):
    group = [r for r in rows if key(r) == k]
    found = next((r for r in group if r["net"] == "found"), None)
    base = next((r for r in group if r["net"] == "baseline"), None)
    randoms = [r["psnr"] for r in group if r["net"].startswith("random")]
    if found is None or base is None:
        continue
    rand = statistics.median(randoms) if randoms else float("nan")
    print(f"| {label(found)} | {found['input_psnr']:.2f} | {found['psnr']:.2f} | {base['psnr']:.2f} ({base['network']}) | "
          f"{rand:.2f} ({len(randoms)}) | {found['psnr'] - base['psnr']:+.2f} | {found['psnr'] - rand:+.2f} | "
          f"{found['params']:,} / {base['params']:,} | {ms(found)} / {ms(base)} |")

ablation = [r for r in rows if r["task"].startswith("ablation-")]
if ablation:
    main = next((r for r in rows if r["net"] == "found" and r["task"] == ablation[0]["task"][len("ablation-"):]), None)
    print()
    print("| ablation | network | PSNR (dB) | Δ vs found | params | ONNX Runtime ms at 640×360 |")
    print("|---|---|---|---|---|---|")
    for r in ([main] if main else []) + ablation:
        delta = f"{r['psnr'] - main['psnr']:+.2f}" if main else "–"
        print(f"| {'found (HiNAS as configured)' if r is main else r['net']} | {r['network']} | {r['psnr']:.2f} | {delta} | {r['params']:,} | {ms(r)} |")

print()
print("| task | network | search s | chosen epoch | α entropy | β entropy | width path | warning |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    if "search_seconds" in r and r["sigma"] in (None, 25):
        print(f"| {r['task']} | {r['net']} | {r['search_seconds']:,} | {r['chosen_epoch'] or '–'} of {r['epochs']} | {number(r['alpha_entropy'])} | "
              f"{number(r['beta_entropy'])} | {r['width_path']} | {r['warning'] or ''} |")
