using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using SmartEmail.Formatting;
using SmartEmail.Mail;

namespace SmartEmail.Commands
{
    /// <summary>Save-SmartEmailMessage: saves pipeline messages as .eml files with safe, unique names.</summary>
    [Cmdlet(VerbsData.Save, "SmartEmailMessage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(FileInfo))]
    public sealed class SaveSmartEmailMessageCommand : SmartEmailCmdlet
    {
        private readonly HashSet<MailSource> _sources = new HashSet<MailSource>();
        private string _destination = string.Empty;

        /// <summary>The messages, from Get-SmartEmailMessage.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public Message[] Message { get; set; } = Array.Empty<Message>();

        /// <summary>The folder to save into; created when missing.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [Alias("Path")]
        [ValidateNotNullOrEmpty]
        public string Destination { get; set; } = string.Empty;

        protected override void BeginProcessing() => _destination = GetUnresolvedProviderPathFromPSPath(Destination);

        protected override void ProcessRecord()
        {
            foreach (var message in Message)
            {
                if (!ShouldProcess($"{message.Id} ('{DisplayText.Quote(message.Subject)}') from {message.Source}", $"Save as .eml in {_destination}"))
                    continue;
                if (MessageStore.MailboxOf(message) is MailSource source)
                    _sources.Add(source);
                try
                {
                    WriteObject(new FileInfo(MessageStore.Save(message, _destination, CancellationToken)));
                }
                catch (MessageReadException e)
                {
                    WriteError(ToErrorRecord(e, ErrorIds.MessageReadFailed, message));
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    WriteError(ToErrorRecord(new IOException($"Cannot save message {message.Id} into '{_destination}': {e.Message}", e), ErrorIds.MessageSaveFailed, message));
                }
            }
        }

        protected override void EndProcessing() => Release();

        protected override void Release()
        {
            foreach (var source in _sources)
                source.Disconnect();
            _sources.Clear();
        }
    }
}
