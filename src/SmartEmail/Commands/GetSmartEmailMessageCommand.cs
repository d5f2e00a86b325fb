using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using SmartEmail.Mail;

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
                foreach (var file in ResolveMessageFiles(path))
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
            IEnumerable<Message> messages;
            try
            {
                messages = MessageFileReader.ReadFile(file, CancellationToken);
            }
            catch (MessageReadException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessageReadFailed, file));
                return;
            }
            var since = Since.HasValue ? new DateTimeOffset(Since.Value) : (DateTimeOffset?)null;
            foreach (var message in messages)
            {
                if (Done)
                    return;
                if (since.HasValue && message.Received < since.Value)
                    continue;
                WriteObject(message);
                _emitted++;
            }
        }

        /// <summary>
        /// Resolves one -MessagePath value to message files: wildcards expand; a folder yields its .eml files; a
        /// literal name that happens to contain wildcard characters still works. A path that matches nothing is a
        /// non-terminating ObjectNotFound error, so the other paths are still read.
        /// </summary>
        private IEnumerable<string> ResolveMessageFiles(string path)
        {
            var resolved = new List<string>();
            try
            {
                foreach (var providerPath in GetResolvedProviderPathFromPSPath(path, out var provider))
                {
                    if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                        throw new ArgumentException($"The path '{path}' is not a file system path.");
                    resolved.Add(providerPath);
                }
            }
            catch (ItemNotFoundException)
            {
            }
            catch (ArgumentException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessagePathNotFound, path));
                return Array.Empty<string>();
            }
            if (resolved.Count == 0)
            {
                // "report[1].eml" is a wildcard pattern that matches nothing, yet names an existing file.
                var literal = GetUnresolvedProviderPathFromPSPath(path);
                if (File.Exists(literal) || Directory.Exists(literal))
                    resolved.Add(literal);
            }
            if (resolved.Count == 0)
            {
                var error = new ItemNotFoundException($"Cannot find the message file or folder '{path}' because it does not exist.");
                WriteError(ToErrorRecord(error, ErrorIds.MessagePathNotFound, path));
                return resolved;
            }
            var files = new List<string>();
            foreach (var item in resolved)
            {
                if (Directory.Exists(item))
                {
                    var inFolder = MessageFileReader.ListFolder(item, Recurse);
                    WriteVerbose($"Folder '{item}' holds {inFolder.Count} message file(s).");
                    files.AddRange(inFolder);
                }
                else
                {
                    files.Add(item);
                }
            }
            return files;
        }
    }
}
