using System.IO;

namespace SmartEmail.Run
{
    /// <summary>Where the run state is kept: a write is all or nothing, so a crash leaves the previous state or the new one.</summary>
    internal interface IStateStore
    {
        /// <summary>What a message about the state calls it (the file's path).</summary>
        string Name { get; }

        /// <summary>The saved state, or null when there is none yet.</summary>
        /// <exception cref="IOException">It cannot be read.</exception>
        byte[]? Read();

        /// <summary>Replaces the saved state.</summary>
        /// <exception cref="IOException">It cannot be written.</exception>
        void Write(byte[] data);
    }

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
