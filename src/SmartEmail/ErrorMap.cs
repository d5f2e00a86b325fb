using System;
using System.IO;
using System.Management.Automation;
using SmartEmail.Ini;
using SmartEmail.Mail;

namespace SmartEmail
{
    /// <summary>
    /// The one mapping from engine errors to PowerShell's: each typed kind (mailbox, event, configuration, credential) to
    /// its error id in <see cref="ErrorIds"/> and its <see cref="ErrorCategory"/>, and other exception types to a category.
    /// </summary>
    internal static class ErrorMap
    {
        /// <summary>The id and category of a typed engine error, or null for an untyped one (the caller names the operation).</summary>
        public static (string Id, ErrorCategory Category)? Of(SmartEmailException exception)
        {
            switch (exception)
            {
                case MailboxException mailbox: return Of(mailbox.Kind);
                case EventSubmitException submit: return Of(submit.Kind);
                case ConfigurationException configuration: return Of(configuration.Kind);
                case CredentialException credential: return Of(credential.Kind);
                case MessageReadException _: return (ErrorIds.MessageReadFailed, ErrorCategory.InvalidData);
                default: return null;
            }
        }

        public static (string Id, ErrorCategory Category) Of(MailboxErrorKind kind)
        {
            switch (kind)
            {
                case MailboxErrorKind.Configuration: return (ErrorIds.MailboxConfiguration, ErrorCategory.InvalidArgument);
                case MailboxErrorKind.HostNotFound: return (ErrorIds.MailboxHostNotFound, ErrorCategory.ObjectNotFound);
                case MailboxErrorKind.ConnectionRefused: return (ErrorIds.MailboxConnectionRefused, ErrorCategory.ConnectionError);
                case MailboxErrorKind.Timeout: return (ErrorIds.MailboxTimeout, ErrorCategory.OperationTimeout);
                case MailboxErrorKind.Tls: return (ErrorIds.MailboxTls, ErrorCategory.SecurityError);
                case MailboxErrorKind.Certificate: return (ErrorIds.MailboxCertificate, ErrorCategory.SecurityError);
                case MailboxErrorKind.Authentication: return (ErrorIds.MailboxAuthentication, ErrorCategory.AuthenticationError);
                case MailboxErrorKind.FolderNotFound: return (ErrorIds.MailboxFolderNotFound, ErrorCategory.ObjectNotFound);
                case MailboxErrorKind.MessageNotFound: return (ErrorIds.MailboxMessageNotFound, ErrorCategory.ObjectNotFound);
                case MailboxErrorKind.NotSupported: return (ErrorIds.MailboxNotSupported, ErrorCategory.NotImplemented);
                case MailboxErrorKind.Connection: return (ErrorIds.MailboxConnection, ErrorCategory.ConnectionError);
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "A mailbox error kind without an error id.");
            }
        }

        public static (string Id, ErrorCategory Category) Of(EventErrorKind kind)
        {
            switch (kind)
            {
                case EventErrorKind.MsgInDirectoryMissing: return (ErrorIds.MsgInDirectoryMissing, ErrorCategory.ObjectNotFound);
                case EventErrorKind.MsgInWorkDirectoryFailed: return (ErrorIds.MsgInWorkDirectoryFailed, ErrorCategory.WriteError);
                case EventErrorKind.MsgInWriteFailed: return (ErrorIds.MsgInWriteFailed, ErrorCategory.WriteError);
                case EventErrorKind.MsgInEncodingUnknown: return (ErrorIds.MsgInEncodingUnknown, ErrorCategory.InvalidData);
                case EventErrorKind.EventInvalid: return (ErrorIds.EventInvalid, ErrorCategory.InvalidData);
                case EventErrorKind.EventTooLong: return (ErrorIds.EventTooLong, ErrorCategory.InvalidData);
                case EventErrorKind.EventNotEncodable: return (ErrorIds.EventNotEncodable, ErrorCategory.InvalidData);
                case EventErrorKind.EventLogFailed: return (ErrorIds.EventLogFailed, ErrorCategory.WriteError);
                case EventErrorKind.CredentialMissing: return (ErrorIds.CredentialMissing, ErrorCategory.InvalidArgument);
                case EventErrorKind.CredentialEncrypted: return (ErrorIds.CredentialEncrypted, ErrorCategory.InvalidArgument);
                case EventErrorKind.ApiUrlMissing: return (ErrorIds.ApiUrlMissing, ErrorCategory.InvalidArgument);
                case EventErrorKind.ApiFailed: return (ErrorIds.ApiFailed, ErrorCategory.WriteError);
                case EventErrorKind.ApiAuthenticationFailed: return (ErrorIds.ApiAuthenticationFailed, ErrorCategory.AuthenticationError);
                case EventErrorKind.ApiUnreachable: return (ErrorIds.ApiUnreachable, ErrorCategory.ConnectionError);
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "An event error kind without an error id.");
            }
        }

        public static (string Id, ErrorCategory Category) Of(ConfigurationErrorKind kind)
        {
            switch (kind)
            {
                case ConfigurationErrorKind.NotFound: return (ErrorIds.ConfigurationNotFound, ErrorCategory.ObjectNotFound);
                case ConfigurationErrorKind.Unreadable: return (ErrorIds.ConfigurationReadFailed, ErrorCategory.ReadError);
                case ConfigurationErrorKind.Invalid: return (ErrorIds.ConfigurationInvalid, ErrorCategory.InvalidData);
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "A configuration error kind without an error id.");
            }
        }

        public static (string Id, ErrorCategory Category) Of(CredentialErrorKind kind)
        {
            switch (kind)
            {
                case CredentialErrorKind.Undecryptable: return (ErrorIds.CredentialUndecryptable, ErrorCategory.SecurityError);
                case CredentialErrorKind.Damaged: return (ErrorIds.CredentialDamaged, ErrorCategory.InvalidData);
                case CredentialErrorKind.KeyFileFailed: return (ErrorIds.CredentialKeyFileFailed, ErrorCategory.ReadError);
                default: throw new ArgumentOutOfRangeException(nameof(kind), kind, "A credential error kind without an error id.");
            }
        }

        /// <summary>The category of any exception: a typed engine error's own, else the one its type implies.</summary>
        public static ErrorCategory CategoryOf(Exception exception)
        {
            if (exception is SmartEmailException smartEmail && Of(smartEmail) is { } typed)
                return typed.Category;
            switch (exception)
            {
                case ItemNotFoundException _:
                case FileNotFoundException _:
                case DirectoryNotFoundException _:
                    return ErrorCategory.ObjectNotFound;
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
