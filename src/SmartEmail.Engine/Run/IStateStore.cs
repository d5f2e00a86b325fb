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
}
