// Servers on fixed loopback ports, worker processes and timing-sensitive slow-model tests: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
