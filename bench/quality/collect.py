"""One JSON line per evaluated network of a bench/quality work folder (results.jsonl), read from the run folders:
the training summary, the exported package's manifest (parameters, FLOPs, ONNX Runtime latency at 640×360), the
evaluations, and for the found network its search (seconds, chosen epoch, α/β entropies, width path)."""
import glob, json, os, sys

work = sys.argv[1]


def load(path):
    with open(path) as f:
        return json.load(f)


def search_facts(search):
    genotype = load(os.path.join(search, "genotype.json"))
    events = [json.loads(line) for line in open(os.path.join(search, "events.jsonl")) if line.strip()]
    completed = next(e for e in reversed(events) if e["kind"] == "completed")
    return {"search_seconds": round(completed["elapsed_seconds"]), "chosen_epoch": completed.get("chosen_epoch"),
            "epochs": completed["epochs"], "alpha_entropy": genotype.get("alpha_entropy"),
            "beta_entropy": genotype.get("beta_entropy"), "width_path": genotype["width_path"],
            "warning": completed.get("warning")}


# side-by-side latencies (bench/quality/latency.sh) replace the manifests', which were measured at different moments
side_by_side = {}
if os.path.exists(os.path.join(work, "latency.jsonl")):
    for line in open(os.path.join(work, "latency.jsonl")):
        entry = json.loads(line)
        side_by_side[os.path.realpath(entry["package"])] = entry["measured_ms"]

for task_dir in sorted(glob.glob(os.path.join(work, "*"))):
    if not os.path.isdir(task_dir):
        continue
    task = os.path.basename(task_dir)
    # a blind task (blindMAX-cC) trains on the σ 25 search of its channel count
    search_dir = os.path.join(work, "denoise-s25-" + task.split("-")[-1]) if task.startswith("blind") else task_dir
    for net_dir in sorted(glob.glob(os.path.join(task_dir, "*"))):
        net = os.path.basename(net_dir)
        summary_path = os.path.join(net_dir, "summary.json")
        manifest_path = os.path.join(net_dir, "package", "manifest.json")
        if net == "search" or not os.path.exists(summary_path) or not os.path.exists(manifest_path):
            continue
        summary, manifest = load(summary_path), load(manifest_path)
        evals = sorted(glob.glob(os.path.join(net_dir, "eval*.json")))
        for path in evals:
            e = load(path)
            sigma = os.path.basename(path)[len("eval"):-len(".json")] or None
            row = {
                "task": task, "net": net, "network": summary["network"], "sigma": int(sigma) if sigma else None,
                "psnr": e["psnr"], "ssim": e["ssim"], "input_psnr": e["input_psnr"],
                "params": manifest["params"], "gflops_per_mp": manifest["flops_per_megapixel"] / 1e9,
                "ort_ms_640x360": side_by_side.get(os.path.realpath(os.path.join(net_dir, "package")),
                                                   manifest["latency"]["measured_ms"] if manifest.get("latency") else None),
                "iterations": summary["iterations"], "best_iteration": summary["best_iteration"],
                "train_seconds": round(summary["training_seconds"]),
                "width_multiplier": manifest.get("width_multiplier"), "head": manifest.get("head"),
            }
            # the found network's search is its task's (an ablation row's, its own folder's)
            own_search = os.path.join(net_dir, "search")
            if os.path.exists(os.path.join(own_search, "genotype.json")):
                row.update(search_facts(own_search))
            elif net == "found":
                row.update(search_facts(os.path.join(search_dir, "search")))
            print(json.dumps(row))
