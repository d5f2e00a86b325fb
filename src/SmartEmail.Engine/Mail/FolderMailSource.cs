using System.Collections.Generic;
using System.IO;
using System.Threading;

namespace SmartEmail.Mail
{
    /// <summary>EmailProtocol=Folder: every .eml file in the Server folder is a message; deleting removes the file.</summary>
    internal sealed class FolderMailSource : MailSource
    {
        public FolderMailSource(MailboxSettings settings, IEngineLog log) : base(settings, log) { }

        public override string Uri => Settings.Server;

        public override IEnumerable<Message> Read(ReadOptions options, CancellationToken cancellationToken)
        {
            if (!Directory.Exists(Settings.Server))
                throw new MailboxException(MailboxErrorKind.FolderNotFound, $"The mailbox folder '{Settings.Server}' does not exist.");
            var files = MessageFileReader.ListFolder(Settings.Server, recurse: false);
            var emitted = 0;
            for (var i = 0; i < files.Count; i++)
            {
                Log.Progress("Reading " + Uri, $"{i + 1} of {files.Count} files", i, files.Count);
                IEnumerable<Message> messages;
                try
                {
                    messages = MessageFileReader.ReadFile(files[i], this, null, cancellationToken);
                }
                catch (MessageReadException e)
                {
                    Log.Error(e);
                    continue;
                }
                foreach (var message in messages)
                {
                    if (options.Since.HasValue && message.Received < options.Since.Value)
                        continue;
                    yield return message;
                    if (options.First.HasValue && ++emitted >= options.First.Value)
                        yield break;
                }
            }
        }

        public override void Delete(IReadOnlyList<Message> messages, CancellationToken cancellationToken)
        {
            foreach (var message in messages)
                MessageStore.DeleteFile(message);
        }

        public override void Disconnect() { }
    }
}
