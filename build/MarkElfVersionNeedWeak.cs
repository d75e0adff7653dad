// MSBuild inline task (compiled by RoslynCodeTaskFactory from Directory.Build.targets).
// Walks the SHT_GNU_verneed section of a little-endian ELF64 shared object and sets VER_FLG_WEAK on the
// Vernaux entry whose name matches VersionName. Keeps the file's timestamp so incremental copies stay quiet.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class HiNasMarkElfVersionNeedWeak : Task
{
    [Required] public ITaskItem[] Files { get; set; }
    [Required] public string VersionName { get; set; }

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.ItemSpec;
            if (!File.Exists(path)) continue;
            try
            {
                var stamp = File.GetLastWriteTimeUtc(path);
                var bytes = File.ReadAllBytes(path);
                var patched = Patch(bytes);
                if (patched < 0) { Log.LogMessage(MessageImportance.Low, "{0}: not an ELF64 little-endian object, left as is", path); continue; }
                if (patched == 0) { Log.LogMessage(MessageImportance.Low, "{0}: no strict {1} requirement", path, VersionName); continue; }
                File.WriteAllBytes(path, bytes);
                File.SetLastWriteTimeUtc(path, stamp);
                Log.LogMessage(MessageImportance.Normal, "{0}: marked {1} weak ({2} entr{3})", path, VersionName, patched, patched == 1 ? "y" : "ies");
            }
            catch (Exception e)
            {
                Log.LogError("could not patch {0}: {1}", path, e.Message);
                return false;
            }
        }
        return !Log.HasLoggedErrors;
    }

    // Returns the number of entries changed, or -1 when the file is not ELF64 LE.
    private int Patch(byte[] b)
    {
        if (b.Length < 64 || b[0] != 0x7f || b[1] != (byte)'E' || b[2] != (byte)'L' || b[3] != (byte)'F' || b[4] != 2 || b[5] != 1)
            return -1;
        long shoff = (long)BitConverter.ToUInt64(b, 0x28);
        int shentsize = BitConverter.ToUInt16(b, 0x3A);
        int shnum = BitConverter.ToUInt16(b, 0x3C);
        int changed = 0;
        for (int i = 0; i < shnum; i++)
        {
            long sh = shoff + (long)i * shentsize;
            if (BitConverter.ToUInt32(b, (int)(sh + 4)) != ShtGnuVerneed) continue;
            long secOffset = (long)BitConverter.ToUInt64(b, (int)(sh + 24));
            int link = (int)BitConverter.ToUInt32(b, (int)(sh + 40));
            int count = (int)BitConverter.ToUInt32(b, (int)(sh + 44));
            long strOffset = (long)BitConverter.ToUInt64(b, (int)(shoff + (long)link * shentsize + 24));

            long vn = secOffset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BitConverter.ToUInt16(b, (int)(vn + 2));
                long aux = vn + BitConverter.ToUInt32(b, (int)(vn + 8));
                for (int a = 0; a < auxCount; a++)
                {
                    long nameOffset = strOffset + BitConverter.ToUInt32(b, (int)(aux + 8));
                    if (ReadCString(b, nameOffset) == VersionName)
                    {
                        ushort flags = BitConverter.ToUInt16(b, (int)(aux + 4));
                        if ((flags & VerFlgWeak) == 0)
                        {
                            flags |= VerFlgWeak;
                            b[aux + 4] = (byte)(flags & 0xff);
                            b[aux + 5] = (byte)(flags >> 8);
                            changed++;
                        }
                    }
                    uint nextAux = BitConverter.ToUInt32(b, (int)(aux + 12));
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(b, (int)(vn + 12));
                if (next == 0) break;
                vn += next;
            }
        }
        return changed;
    }

    private static string ReadCString(byte[] b, long offset)
    {
        long end = offset;
        while (end < b.Length && b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)offset, (int)(end - offset));
    }
}
