using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;

namespace SmartEmail.Run
{
    /// <summary>
    /// The run's memory: per mailbox, which messages were handled and how far. Saved atomically at every step that must
    /// survive a crash: before event files move into MSGIN, after they did, and at the end.
    /// </summary>
    internal sealed class RunState
    {
        private readonly IStateStore _store;

        private RunState(IStateStore store, RunStateData data)
        {
            _store = store;
            Data = data;
        }

        public RunStateData Data { get; }

        /// <summary>Reads the state file, or starts an empty one.</summary>
        /// <exception cref="SmartEmailException">The file exists but cannot be read or is not a SmartEmail state file.</exception>
        public static RunState Load(string path) => Load(new FileStateStore(path));

        /// <summary>Reads the saved state, or starts an empty one.</summary>
        /// <exception cref="SmartEmailException">It exists but cannot be read or is not a SmartEmail state.</exception>
        public static RunState Load(IStateStore store)
        {
            try
            {
                var bytes = store.Read();
                var data = bytes == null ? null : JsonSerializer.Deserialize<RunStateData>(bytes, Options);
                return new RunState(store, data ?? new RunStateData());
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
            {
                throw new SmartEmailException($"The run state file '{store.Name}' cannot be read ({e.Message}). It records which messages were handled; move it aside only if you accept that recent mail may be processed again.", e);
            }
        }

        public MailboxState Mailbox(string uri)
        {
            if (!Data.Mailboxes.TryGetValue(uri, out var state))
                Data.Mailboxes[uri] = state = new MailboxState();
            return state;
        }

        /// <summary>Writes the state atomically.</summary>
        /// <exception cref="IOException">It cannot be written.</exception>
        public void Save() => _store.Write(JsonSerializer.SerializeToUtf8Bytes(Data, Options));

        /// <summary>
        /// A source with a watermark, after a run that saw every position above the watermark up to
        /// <paramref name="highestSeen"/>: raises the watermark to just below the oldest open message (or to the highest
        /// seen) and forgets the done messages below it, so the state stays small however large the mailbox grows. Set-aside
        /// messages are remembered below it too.
        /// </summary>
        public static void Compact(MailboxState mailbox, uint highestSeen)
        {
            var open = OpenPositions(mailbox).ToList();
            var watermark = open.Count == 0 ? highestSeen : Math.Min(highestSeen, open.Min() - 1);
            mailbox.Watermark = Math.Max(mailbox.Watermark, watermark);
            foreach (var key in mailbox.Messages.Keys.ToList())
            {
                var entry = mailbox.Messages[key];
                if (PositionOf(key) is var uid && uid != 0 && uid <= mailbox.Watermark && entry.Status == MessageStatus.Done && !entry.DeletePending)
                    mailbox.Messages.Remove(key);
            }
        }

        /// <summary>The positions of the messages the watermark must stay below.</summary>
        public static System.Collections.Generic.IEnumerable<uint> OpenPositions(MailboxState mailbox) =>
            mailbox.Messages.Where(m => m.Value.IsOpen).Select(m => PositionOf(m.Key)).Where(u => u != 0);

        /// <summary>A watermark source keys its messages by their position's decimal text (<see cref="Mail.MessageKey"/>); 0 for another key.</summary>
        public static uint PositionOf(string key) =>
            uint.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var position) ? position : 0u;

        private static readonly JsonSerializerOptions Options = new JsonSerializerOptions
        {
            WriteIndented = false,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        };
    }
}
