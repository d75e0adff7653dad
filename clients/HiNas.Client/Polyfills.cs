#if NETSTANDARD2_1
namespace System.Runtime.CompilerServices
{
    /// <summary>Lets init-only setters compile for netstandard2.1.</summary>
    internal static class IsExternalInit
    {
    }
}
#endif
