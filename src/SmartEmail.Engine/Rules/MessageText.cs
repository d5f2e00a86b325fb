using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using MimeKit;
using MimeKit.Text;

namespace SmartEmail.Rules
{
    /// <summary>The body of a message as the lines rules are matched against.</summary>
    internal static class MessageText
    {
        /// <summary>
        /// The non-blank lines of the body: the plain-text part when there is one, else the HTML part converted to text
        /// (tags dropped, entities decoded, block elements and &lt;br&gt; breaking lines, script and style dropped).
        /// </summary>
        public static IReadOnlyList<string> BodyLines(MimeMessage message)
        {
            var text = message.TextBody;
            if (text == null && message.HtmlBody is string html)
                text = HtmlToText(html);
            return SplitLines(text ?? string.Empty);
        }

        public static IReadOnlyList<string> SplitLines(string text)
        {
            var lines = new List<string>();
            using (var reader = new StringReader(text))
            {
                string? line;
                while ((line = reader.ReadLine()) != null)
                {
                    line = line.Trim();
                    if (line.Length != 0)
                        lines.Add(line);
                }
            }
            return lines;
        }

        public static string HtmlToText(string html)
        {
            var builder = new StringBuilder();
            var skipping = 0; // inside <script> or <style>
            using (var reader = new StringReader(html))
            {
                var tokenizer = new HtmlTokenizer(reader) { DecodeCharacterReferences = true };
                while (tokenizer.ReadNextToken(out var token))
                {
                    switch (token)
                    {
                        case HtmlTagToken tag:
                            if (tag.Id == HtmlTagId.Script || tag.Id == HtmlTagId.Style)
                            {
                                if (!tag.IsEmptyElement)
                                    skipping = Math.Max(0, skipping + (tag.IsEndTag ? -1 : 1));
                            }
                            else if (BreaksLine(tag.Id))
                            {
                                builder.Append('\n');
                            }
                            else if (tag.Id == HtmlTagId.TD || tag.Id == HtmlTagId.TH)
                            {
                                if (!tag.IsEndTag)
                                    builder.Append(' ');
                            }
                            break;
                        case HtmlDataToken data when skipping == 0:
                            // Non-breaking spaces become spaces so "Rows&nbsp;=&nbsp;42" matches "Rows = 42".
                            builder.Append(CollapseWhiteSpace(data.Data.Replace('\u00A0', ' ')));
                            break;
                    }
                }
            }
            return builder.ToString();
        }

        private static string CollapseWhiteSpace(string text)
        {
            var builder = new StringBuilder(text.Length);
            var space = false;
            foreach (var c in text)
            {
                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                {
                    if (!space)
                        builder.Append(' ');
                    space = true;
                }
                else
                {
                    builder.Append(c);
                    space = false;
                }
            }
            return builder.ToString();
        }

        private static bool BreaksLine(HtmlTagId id)
        {
            switch (id)
            {
                case HtmlTagId.Br: case HtmlTagId.P: case HtmlTagId.Div: case HtmlTagId.LI: case HtmlTagId.TR:
                case HtmlTagId.Table: case HtmlTagId.H1: case HtmlTagId.H2: case HtmlTagId.H3: case HtmlTagId.H4:
                case HtmlTagId.H5: case HtmlTagId.H6: case HtmlTagId.BlockQuote: case HtmlTagId.Pre: case HtmlTagId.UL:
                case HtmlTagId.OL: case HtmlTagId.HR: case HtmlTagId.Title: case HtmlTagId.Body: case HtmlTagId.Section:
                case HtmlTagId.Header: case HtmlTagId.Footer: case HtmlTagId.Article: case HtmlTagId.DL: case HtmlTagId.DT: case HtmlTagId.DD:
                    return true;
                default:
                    return false;
            }
        }
    }
}
