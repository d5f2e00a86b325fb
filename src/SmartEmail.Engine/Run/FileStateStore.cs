using System.IO;

namespace SmartEmail.Run
{
    /// <summary>The state file beside the INI (or [General] StateFile), written atomically.</summary>
    internal sealed class FileStateStore : IStateStore
    {
        public FileStateStore(string path) => Name = path;

        public string Name { get; }

        public byte[]? Read() => File.Exists(Name) ? File.ReadAllBytes(Name) : null;

        public void Write(byte[] data)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(Name)) ?? ".");
            AtomicFile.Write(Name, data);
        }
    }
}
