using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using SmartEmail.Formatting;
using SmartEmail.Mail;

namespace SmartEmail.Commands
{
    /// <summary>Remove-SmartEmailMessage: deletes pipeline messages from their mailbox, one command per mailbox.</summary>
    [Cmdlet(VerbsCommon.Remove, "SmartEmailMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(Message))]
    public sealed class RemoveSmartEmailMessageCommand : SmartEmailCmdlet
    {
        // Deleting is done at the end, per mailbox: one UID STORE/EXPUNGE for IMAP, DELE+QUIT for POP3.
        private readonly List<(MailSource? Source, Message Message)> _pending = new List<(MailSource?, Message)>();

        /// <summary>The messages, from Get-SmartEmailMessage.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public Message[] Message { get; set; } = Array.Empty<Message>();

        /// <summary>Emit each message once it is deleted.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var message in Message)
            {
                if (ShouldProcess($"{message.Id} ('{DisplayText.Quote(message.Subject)}' from {message.From}) in {message.Source}", "Delete the message"))
                    _pending.Add((MessageStore.MailboxOf(message), message));
            }
        }

        protected override void EndProcessing()
        {
            foreach (var group in _pending.GroupBy(p => p.Source))
            {
                var messages = group.Select(p => p.Message).ToList();
                if (group.Key == null)
                {
                    foreach (var message in messages)
                        Delete(() => MessageStore.DeleteFile(message), new[] { message }, message);
                    continue;
                }
                var source = group.Key;
                Delete(() => source.Delete(messages, CancellationToken), messages, source.Uri);
                source.Disconnect();
            }
            _pending.Clear();
        }

        private void Delete(Action delete, IReadOnlyList<Message> messages, object target)
        {
            try
            {
                delete();
            }
            catch (MailboxException e)
            {
                WriteError(ToErrorRecord(e, target));
                return;
            }
            catch (ArgumentException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessageRemoveFailed, target));
                return;
            }
            WriteVerbose($"Deleted {messages.Count} message(s) from {messages[0].Source}.");
            if (PassThru)
                WriteObject(messages, enumerateCollection: true);
        }

        protected override void Release()
        {
            foreach (var source in _pending.Select(p => p.Source).OfType<MailSource>().Distinct())
                source.Disconnect();
        }
    }
}
