"""Peak memory and time of repeated steps, measured as the C# profilers measure them (Linux /proc)."""
import time


def rss_bytes(key="VmRSS:"):
    """VmRSS: (now) or VmHWM: (the peak since the last reset), in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def measure_steps(step, steps):
    """Runs step() `steps` times (at least 2); returns (peak resident memory over the memory before the steps,
    mean seconds per step without the first)."""
    baseline = rss_bytes("VmRSS:")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # VmHWM starts again from the current resident memory
    start = None
    for i in range(steps):
        if i == 1:
            start = time.perf_counter()
        step()
    seconds = (time.perf_counter() - start) / (steps - 1)
    return max(0, rss_bytes("VmHWM:") - baseline), seconds
