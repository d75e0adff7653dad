"""Markdown tables from one or more bench/quality results.jsonl files."""
import json, statistics, sys

rows = [json.loads(line) for path in sys.argv[1:] for line in open(path) if line.strip()]
print("| task | network | PSNR (dB) | SSIM | params | GFLOPs/MP | ms/image | training s |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    name = f"{r['net']}: {r['network']}" + (f" (search {r['search_seconds']} s)" if r["search_seconds"] else "")
    print(f"| {r['task']} | {name} | {r['psnr']:.2f} | {r['ssim']:.4f} | {r['params']:,} | {r['gflops_per_mp']:.1f} | {r['ms_per_image']:.0f} | {r['train_seconds']:.0f} |")
print()
print("| task | input PSNR | found | baseline | median random | found − baseline | found − median random | found params ≤ baseline |")
print("|---|---|---|---|---|---|---|---|")
for task in dict.fromkeys(r["task"] for r in rows):
    group = [r for r in rows if r["task"] == task]
    found = next(r for r in group if r["net"] == "found")
    base = next(r for r in group if r["net"] != "found" and not r["net"].startswith("random"))
    rand = statistics.median(r["psnr"] for r in group if r["net"].startswith("random"))
    print(f"| {task} | {found['input_psnr']:.2f} | {found['psnr']:.2f} | {base['psnr']:.2f} ({base['net']}) | {rand:.2f} | "
          f"{found['psnr'] - base['psnr']:+.2f} | {found['psnr'] - rand:+.2f} | {'yes' if found['params'] <= base['params'] else 'no'} ({found['params']:,} vs {base['params']:,}) |")
