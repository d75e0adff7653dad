namespace HiNas.Imaging.Tasks;

public enum RestorationKind
{
    Denoise,
    SuperResolution,
}
