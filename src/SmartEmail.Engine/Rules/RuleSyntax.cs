using System;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;

namespace SmartEmail.Rules
{
    /// <summary>The syntax shared by the INI reader (which validates) and the rule engine (which evaluates).</summary>
    internal static class RuleSyntax
    {
        /// <summary>A <c>[[NAME]]</c> token.</summary>
        public static Regex TokenPattern => Formatting.ValueFormatter.TokenPattern;

        /// <summary>The tokens SmartEmail resolves itself, besides captures.</summary>
        public static readonly string[] BuiltInTokens = { "SENDER", "SUBJECT", "DATE", "EVENT", "REASON", "ATTACHMENT" };

        private static readonly Regex TimeFramePattern = new Regex(@"^\s*(\d{2})(\d{2})\s*-\s*(\d{2})(\d{2})\s*$", RegexOptions.CultureInvariant);

        public static bool IsBuiltIn(string name) => BuiltInTokens.Any(b => string.Equals(b, name, StringComparison.OrdinalIgnoreCase));

        /// <summary>[[1]], [[2]], ... (subject or body captures) and [[A1]], [[A2]], ... (attachment captures).</summary>
        public static bool IsCaptureToken(string name) =>
            name.Length != 0 && (name.All(char.IsDigit) || (name.Length > 1 && (name[0] == 'A' || name[0] == 'a') && name.Substring(1).All(char.IsDigit)));

        /// <summary>
        /// Parses <c>HHMM-HHMM</c> into minutes of the day (0 to 1440), times from 0000 to 2400.
        /// </summary>
        public static bool TryParseTimeFrame(string frame, out int start, out int end)
        {
            start = end = 0;
            var m = TimeFramePattern.Match(frame);
            if (!m.Success)
                return false;
            int Part(int i) => int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture);
            bool Valid(int hours, int minutes) => (hours < 24 && minutes < 60) || (hours == 24 && minutes == 0);
            if (!Valid(Part(1), Part(2)) || !Valid(Part(3), Part(4)))
                return false;
            start = Part(1) * 60 + Part(2);
            end = Part(3) * 60 + Part(4);
            return true;
        }

        /// <summary>The time zone of an IANA or Windows id, or null when this machine does not know it.</summary>
        public static TimeZoneInfo? FindTimeZone(string id)
        {
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException || e is InvalidTimeZoneException)
            {
                return null;
            }
        }
    }
}
