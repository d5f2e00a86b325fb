using System;
using System.Management.Automation;

namespace SmartEmail.Commands
{
    /// <summary>Get-SmartEmailMessage: reads messages and emits <see cref="Message"/> objects one by one.</summary>
    [Cmdlet(VerbsCommon.Get, "SmartEmailMessage", DefaultParameterSetName = FileSet)]
    [OutputType(typeof(Message))]
    public sealed class GetSmartEmailMessageCommand : SmartEmailCmdlet
    {
        private const string FileSet = "File";
        private int _emitted;

        /// <summary>Message files (.eml, or mbox) and folders of .eml files; wildcards allowed.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = FileSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "FullName")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] MessagePath { get; set; } = Array.Empty<string>();

        /// <summary>Also reads the .eml files of subfolders.</summary>
        [Parameter(ParameterSetName = FileSet)]
        public SwitchParameter Recurse { get; set; }

        /// <summary>Only messages received on or after this time.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>At most this many messages.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? First { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var path in MessagePath)
            {
                foreach (var file in ResolveMessageFiles(path, Recurse))
                {
                    if (Done)
                        return;
                    ReadFile(file);
                }
            }
        }

        private bool Done => First.HasValue && _emitted >= First.Value;

        private void ReadFile(string file)
        {
            var since = Since.HasValue ? new DateTimeOffset(Since.Value) : (DateTimeOffset?)null;
            foreach (var message in ReadMessageFile(file))
            {
                if (Done)
                    return;
                if (since.HasValue && message.Received < since.Value)
                    continue;
                WriteObject(message);
                _emitted++;
            }
        }
    }
}
