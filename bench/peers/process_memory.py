"""Resident memory of this process, read as the C# profilers read it (Linux /proc)."""


def rss_bytes(key="VmRSS:"):
    """VmRSS: (now) or VmHWM: (the peak since the last reset), in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def reset_peak():
    """Starts VmHWM again from the current resident memory."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
