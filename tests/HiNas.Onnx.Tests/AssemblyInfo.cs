// Networks are built under libtorch's global seed; keep these tests from drawing random numbers in parallel.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
