namespace HiNas.Imaging.IO;

/// <summary>How many channels a loaded image gets.</summary>
public enum ColorMode
{
    /// <summary>As stored: gray for grayscale PNG/JPEG files, RGB for everything else.</summary>
    Auto,
    /// <summary>One channel; colour files are converted with the BT.601 luma weights.</summary>
    Gray,
    /// <summary>Three channels; gray files are replicated.</summary>
    Rgb,
}
