namespace HiNas.Search.Tests;

internal static class TestFolders
{
    /// <summary>A new, not yet created folder under the system temp folder's <paramref name="area"/> for one run's files.</summary>
    public static string TempDir(string area) => Path.Combine(Path.GetTempPath(), area, Guid.NewGuid().ToString("N"));
}
