using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace SmartEmail.Run
{
    /// <summary>Where one message stands in the run's steps.</summary>
    internal enum MessageStatus
    {
        /// <summary>Its event files are prepared in the work folder and recorded, but maybe not all moved into MSGIN.</summary>
        Pending,
        /// <summary>Its events are in MSGIN (or accepted by the API).</summary>
        EventsWritten,
        /// <summary>Everything is done; the message is not processed again.</summary>
        Done,
        /// <summary>It failed (unreadable, or an event could not be written); it is tried again next run.</summary>
        Failed,
    }

    internal sealed class PreparedEventState
    {
        public string Prepared { get; set; } = string.Empty;
        public string Event { get; set; } = string.Empty;
        public string Rule { get; set; } = string.Empty;
    }

    internal sealed class MessageState
    {
        public MessageStatus Status { get; set; }
        public List<PreparedEventState> Events { get; set; } = new List<PreparedEventState>();
        public string? MessageId { get; set; }
        /// <summary>Done, but deleting it failed: the next run deletes it (DeleteEmails permitting) without handling it again.</summary>
        public bool DeletePending { get; set; }
    }

    internal sealed class MailboxState
    {
        /// <summary>IMAP: the UIDVALIDITY the UIDs below belong to.</summary>
        public uint? UidValidity { get; set; }
        /// <summary>IMAP: every UID up to this one is done; only newer ones are searched for.</summary>
        public uint Watermark { get; set; }
        /// <summary>Messages by id (IMAP UID, POP3 UIDL, file path) that are not covered by the watermark.</summary>
        public Dictionary<string, MessageState> Messages { get; set; } = new Dictionary<string, MessageState>(StringComparer.Ordinal);
    }

    internal sealed class RunStateData
    {
        public int Version { get; set; } = 1;
        /// <summary>The LastRunDate this tool last wrote into the INI (round-trip format), to notice a hand-set earlier one.</summary>
        public string? LastRunDateWritten { get; set; }
        public Dictionary<string, MailboxState> Mailboxes { get; set; } = new Dictionary<string, MailboxState>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The run's memory: per mailbox, which messages were handled and how far. Saved atomically (temporary file, flush,
    /// rename) at every step that must survive a crash: before event files move into MSGIN, after they did, and at the end.
    /// </summary>
    internal sealed class RunState
    {
        private readonly string _path;

        private RunState(string path, RunStateData data)
        {
            _path = path;
            Data = data;
        }

        public RunStateData Data { get; }

        /// <summary>Reads the state file, or starts an empty one.</summary>
        /// <exception cref="SmartEmailException">The file exists but cannot be read or is not a SmartEmail state file.</exception>
        public static RunState Load(string path)
        {
            if (!File.Exists(path))
                return new RunState(path, new RunStateData());
            try
            {
                var data = JsonSerializer.Deserialize<RunStateData>(File.ReadAllText(path, Encoding.UTF8), Options) ?? new RunStateData();
                return new RunState(path, data);
            }
            catch (Exception e) when (e is JsonException || e is IOException || e is UnauthorizedAccessException || e is NotSupportedException)
            {
                throw new SmartEmailException($"The run state file '{path}' cannot be read ({e.Message}). It records which messages were handled; move it aside only if you accept that recent mail may be processed again.", e);
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
        public void Save()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path)) ?? ".");
            AtomicFile.Write(_path, JsonSerializer.SerializeToUtf8Bytes(Data, Options));
        }

        /// <summary>
        /// IMAP: after a run that saw every UID above the watermark up to <paramref name="highestSeen"/>, raises the
        /// watermark to just below the oldest message that is not done or still to be deleted (or to the highest seen) and forgets the done
        /// messages below it, so the state stays small however large the mailbox grows.
        /// </summary>
        public static void Compact(MailboxState mailbox, uint highestSeen)
        {
            var open = mailbox.Messages.Where(m => m.Value.Status != MessageStatus.Done || m.Value.DeletePending)
                .Select(m => uint.TryParse(m.Key, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : 0u).Where(u => u != 0).ToList();
            var watermark = open.Count == 0 ? highestSeen : Math.Min(highestSeen, open.Min() - 1);
            mailbox.Watermark = Math.Max(mailbox.Watermark, watermark);
            foreach (var key in mailbox.Messages.Keys.ToList())
            {
                if (uint.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var uid) && uid <= mailbox.Watermark && mailbox.Messages[key].Status == MessageStatus.Done && !mailbox.Messages[key].DeletePending)
                    mailbox.Messages.Remove(key);
            }
        }

        private static readonly JsonSerializerOptions Options = new JsonSerializerOptions
        {
            WriteIndented = false,
            Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
        };
    }
}
