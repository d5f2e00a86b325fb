using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Threading;
using SmartEmail.Events;
using SmartEmail.Ini;
using SmartEmail.Mail;

namespace SmartEmail.Commands
{
    /// <summary>
    /// The base of every SmartEmail cmdlet: a cancellation token that Ctrl+C (StopProcessing) cancels, and one mapping
    /// from engine exceptions to error records.
    /// </summary>
    public abstract class SmartEmailCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

        /// <summary>Cancelled when the user presses Ctrl+C or the pipeline stops.</summary>
        protected CancellationToken CancellationToken => _stopping.Token;

        /// <inheritdoc/>
        protected override void StopProcessing() => _stopping.Cancel();

        /// <inheritdoc/>
        public void Dispose()
        {
            Release();
            _stopping.Dispose();
        }

        /// <summary>Frees what the cmdlet holds (connections, files); PowerShell disposes cmdlets when the pipeline ends, also after an error.</summary>
        protected virtual void Release()
        {
        }

        /// <summary>Reads the messages of one file; a file that cannot be read is a non-terminating error.</summary>
        protected IEnumerable<Message> ReadMessageFile(string file)
        {
            try
            {
                return MessageFileReader.ReadFile(file, new CmdletLog(this, ErrorIds.MessageReadFailed).Log, CancellationToken);
            }
            catch (MessageReadException e)
            {
                WriteError(ToErrorRecord(e, ErrorIds.MessageReadFailed, file));
                return Array.Empty<Message>();
            }
        }

        /// <summary>
        /// Resolves one -MessagePath value to message files: wildcards expand; a folder yields its .eml files; a
        /// literal name that happens to contain wildcard characters still works. A path that matches nothing is a
        /// non-terminating ObjectNotFound error, so the other paths are still read.
        /// </summary>
        protected IEnumerable<string> ResolveMessageFiles(string path, bool recurse)
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
                    var inFolder = MessageFileReader.ListFolder(item, recurse);
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

        /// <summary>The file system path of an INI path, or of the default INI when none is given.</summary>
        protected string ResolveConfigurationPath(string? path) =>
            GetUnresolvedProviderPathFromPSPath(string.IsNullOrEmpty(path) ? ConfigurationReader.DefaultPath() : path);

        /// <summary>
        /// Reads the INI. A missing or unreadable file is a terminating error; so is a file with errors, which are all
        /// listed with their lines. Warnings go to the warning stream.
        /// </summary>
        protected Configuration LoadConfiguration(string? iniPath)
        {
            var path = ResolveConfigurationPath(iniPath);
            Configuration configuration;
            try
            {
                configuration = ConfigurationReader.Load(path);
            }
            catch (FileNotFoundException e)
            {
                ThrowTerminatingError(ToErrorRecord(e, ErrorIds.ConfigurationNotFound, path));
                throw; // not reached
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                var error = new IOException($"Cannot read the configuration file '{path}': {e.Message}", e);
                ThrowTerminatingError(ToErrorRecord(error, ErrorIds.ConfigurationReadFailed, path));
                throw;
            }
            foreach (var finding in configuration.Findings)
            {
                if (finding.Severity == FindingSeverity.Warning)
                    WriteWarning(finding.ToString());
            }
            var errors = Array.FindAll(configuration.Findings, f => f.Severity == FindingSeverity.Error);
            if (errors.Length != 0)
            {
                var lines = string.Join(Environment.NewLine, Array.ConvertAll(errors, f => "  " + f));
                var exception = new InvalidDataException(
                    $"The configuration file '{path}' has {errors.Length} error(s):{Environment.NewLine}{lines}{Environment.NewLine}Run Test-SmartEmailConfiguration -Detailed for every finding.");
                ThrowTerminatingError(new ErrorRecord(exception, ErrorIds.ConfigurationInvalid, ErrorCategory.InvalidData, path));
            }
            return configuration;
        }

        /// <summary>Builds the error record for an exception, with the category that its type implies.</summary>
        internal static ErrorRecord ToErrorRecord(Exception exception, string errorId, object? target) =>
            new ErrorRecord(exception, errorId, CategoryOf(exception), target);

        private static ErrorCategory SubmitCategory(string errorId)
        {
            switch (errorId)
            {
                case "MsgInDirectoryMissing": return ErrorCategory.ObjectNotFound;
                case "EventInvalid": case "EventTooLong": case "EventNotEncodable": case "MsgInEncodingUnknown": return ErrorCategory.InvalidData;
                case "CredentialMissing": case "CredentialEncrypted": case "ApiUrlMissing": return ErrorCategory.InvalidArgument;
                case "ApiAuthenticationFailed": return ErrorCategory.AuthenticationError;
                case "ApiUnreachable": return ErrorCategory.ConnectionError;
                default: return ErrorCategory.WriteError;
            }
        }

        private static ErrorCategory MailboxCategory(MailboxErrorKind kind)
        {
            switch (kind)
            {
                case MailboxErrorKind.Configuration: return ErrorCategory.InvalidArgument;
                case MailboxErrorKind.HostNotFound: return ErrorCategory.ObjectNotFound;
                case MailboxErrorKind.ConnectionRefused: return ErrorCategory.ConnectionError;
                case MailboxErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case MailboxErrorKind.Tls: return ErrorCategory.SecurityError;
                case MailboxErrorKind.Certificate: return ErrorCategory.SecurityError;
                case MailboxErrorKind.Authentication: return ErrorCategory.AuthenticationError;
                case MailboxErrorKind.FolderNotFound: return ErrorCategory.ObjectNotFound;
                case MailboxErrorKind.MessageNotFound: return ErrorCategory.ObjectNotFound;
                case MailboxErrorKind.NotSupported: return ErrorCategory.NotImplemented;
                default: return ErrorCategory.ConnectionError;
            }
        }

        /// <summary>The error record of a mailbox failure: id Mailbox&lt;Kind&gt;, its category, the mailbox as target.</summary>
        internal static ErrorRecord ToErrorRecord(MailboxException exception, object? target) =>
            new ErrorRecord(exception, ErrorIds.Mailbox(exception.Kind), MailboxCategory(exception.Kind), target);

        /// <summary>The one place that maps exception types to PowerShell error categories.</summary>
        internal static ErrorCategory CategoryOf(Exception exception)
        {
            switch (exception)
            {
                case ItemNotFoundException _:
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return ErrorCategory.ObjectNotFound;
                case MessageReadException _:
                    return ErrorCategory.InvalidData;
                case MailboxException mailbox:
                    return MailboxCategory(mailbox.Kind);
                case EventSubmitException submit:
                    return SubmitCategory(submit.ErrorId);
                case UnauthorizedAccessException _:
                    return ErrorCategory.PermissionDenied;
                case OperationCanceledException _:
                    return ErrorCategory.OperationStopped;
                case TimeoutException _:
                    return ErrorCategory.OperationTimeout;
                case IOException _:
                    return ErrorCategory.ReadError;
                case ArgumentException _:
                    return ErrorCategory.InvalidArgument;
                default:
                    return ErrorCategory.NotSpecified;
            }
        }
    }
}
