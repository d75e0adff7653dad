// Jobs run worker processes that use every core, and the slow-model tests depend on timing: one test at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
