using System;
using System.Linq;

namespace SmartEmail.Events
{
    /// <summary>The OpCon external event line: the event, then the user and its external event password or token.</summary>
    internal static class EventText
    {
        /// <summary>OpCon's limit for an external event string.</summary>
        public const int MaxLength = 2000;

        public const string Mask = "********";

        /// <summary>
        /// The line written for an event: "event,user,password", unless the event already ends with exactly these
        /// credentials (then it is taken as it is; <paramref name="alreadyHadCredentials"/> says so).
        /// </summary>
        /// <exception cref="EventSubmitException">The event is empty, has a line break or control character, or is too long.</exception>
        public static string WithCredentials(string @event, string user, string password, out bool alreadyHadCredentials)
        {
            Check(@event, password);
            var suffix = "," + user + "," + password;
            alreadyHadCredentials = password.Length != 0 && @event.EndsWith(suffix, StringComparison.Ordinal);
            var line = alreadyHadCredentials ? @event : @event + suffix;
            if (line.Length > MaxLength)
                throw new EventSubmitException(EventErrorKind.EventTooLong, $"The event is {line.Length} characters long with its credentials; OpCon accepts at most {MaxLength}: {Shorten(Masked(@event, password))}");
            return line;
        }

        /// <summary>Checks an event string before it goes anywhere; messages quote it with <paramref name="password"/> masked.</summary>
        public static void Check(string @event, string password = "")
        {
            string Shorten(string text) => EventText.Shorten(Masked(text, password));
            if (string.IsNullOrWhiteSpace(@event))
                throw new EventSubmitException(EventErrorKind.EventInvalid, "The event is empty.");
            if (!@event.TrimStart().StartsWith("$", StringComparison.Ordinal))
                throw new EventSubmitException(EventErrorKind.EventInvalid, $"'{Shorten(@event)}' is not an OpCon event: events start with $, such as $JOB:ADD or $PROPERTY:SET.");
            if (@event.Any(c => char.IsControl(c) || c == '\u2028' || c == '\u2029' || c == '\u0085'))
                throw new EventSubmitException(EventErrorKind.EventInvalid, $"The event '{Shorten(@event)}' holds a line break or control character, which would split it or corrupt the MSGIN file.");
            if (@event.Length > MaxLength)
                throw new EventSubmitException(EventErrorKind.EventTooLong, $"The event is {@event.Length} characters long; OpCon accepts at most {MaxLength}: {Shorten(@event)}");
        }

        /// <summary>The text with every occurrence of the password replaced by a mask.</summary>
        public static string Masked(string text, string password) =>
            password.Length == 0 ? text : text.Replace(password, Mask);

        internal static string Shorten(string text) => text.Length > 120 ? text.Substring(0, 120) + "…" : text;
    }
}
