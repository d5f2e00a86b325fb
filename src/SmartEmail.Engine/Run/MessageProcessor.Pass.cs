using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using SmartEmail.Mail;

namespace SmartEmail.Run
{
    internal sealed partial class MessageProcessor
    {
        /// <summary>One read of the mailbox: the watermark's frontier, what was seen, and what is to be deleted at the end.</summary>
        private sealed class Pass
        {
            private readonly MessageProcessor _p;
            private readonly MailboxState _mailbox;
            private readonly bool _watermarked;
            private readonly SortedSet<uint> _open;
            private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.Ordinal);
            private readonly List<(Message Message, string Key)> _toDelete = new List<(Message, string)>();
            private bool _frontier;
            private uint _highest;

            public Pass(MessageProcessor processor, MailboxState mailbox)
            {
                _p = processor;
                _mailbox = mailbox;
                var o = processor._options;
                _watermarked = processor._source.SupportsWatermark;
                ReadOptions = new ReadOptions { Since = o.Since };
                if (_watermarked && !o.Reprocess && mailbox.UidValidity.HasValue)
                    ReadOptions.After = new MessageKey(mailbox.UidValidity.Value, mailbox.Watermark);
                // Read in ascending order: while every message so far is done, the watermark follows the run and the done
                // entries behind it are dropped at once, so every state save in the run stays as small as the open
                // messages, not the mailbox. It never passes a message the state still has open (failed, events written but
                // not deleted, or a delete that failed) that this run has not read again.
                _frontier = _watermarked && !o.Reprocess && !o.WhatIf;
                _open = new SortedSet<uint>(_frontier ? RunState.OpenPositions(mailbox) : Enumerable.Empty<uint>());
            }

            public ReadOptions ReadOptions { get; }

            private ProcessorOptions Options => _p._options;

            public void Handle(Message message, CancellationToken cancellationToken)
            {
                var id = _p._source.KeyOf(message);
                var key = id.Key;
                _seen.Add(key);
                if (_watermarked)
                {
                    if (_mailbox.UidValidity != id.Epoch)
                    {
                        // A recreated folder: its positions mean other messages now.
                        _mailbox.UidValidity = id.Epoch;
                        _mailbox.Watermark = 0;
                        _mailbox.Messages.Clear();
                    }
                    if (id.Position <= _highest)
                        _frontier = false; // out of order: only Compact, at the end, can tell what is done
                    _highest = Math.Max(_highest, id.Position);
                }
                _mailbox.Messages.TryGetValue(key, out var known);
                if (known?.Status == MessageStatus.SetAside)
                {
                    // Set aside for good by an earlier run: no attempt, no error; it stays until someone removes it.
                    _p._log.Verbose($"Message {Describe(message)} was set aside by an earlier run ({known.Reason}); skipped.");
                    Advance(id);
                    return;
                }
                if (known != null && known.Status == MessageStatus.Done && !Options.Reprocess)
                {
                    if (known.DeletePending && Options.DeleteMode != DeleteMode.None)
                    {
                        // Its events were written by an earlier run whose delete failed: only the delete is left to do,
                        // and the watermark must not pass it until it is gone.
                        _toDelete.Add((message, key));
                        _frontier = false;
                        return;
                    }
                    known.DeletePending = false; // deleting was switched off since: it is simply done
                    Advance(id);
                    return;
                }
                if (known != null && Options.Reprocess && known.Status == MessageStatus.Done)
                    known = null;
                var (accepted, failed) = _p.Handle(message, known, _mailbox, key, cancellationToken);
                if (failed)
                {
                    if (!(_mailbox.Messages.TryGetValue(key, out var now) && now.Status == MessageStatus.SetAside))
                        _frontier = false;
                    else
                        Advance(id);
                    return;
                }
                if (message.Received.HasValue && (_p.Newest == null || message.Received > _p.Newest))
                    _p.Newest = message.Received;
                if (Options.DeleteMode == DeleteMode.All || (Options.DeleteMode == DeleteMode.Match && accepted))
                {
                    _toDelete.Add((message, key)); // not done until deleted: the watermark must not pass it
                    _frontier = false;
                }
                else if (!Options.WhatIf && !Advance(id))
                {
                    _mailbox.Messages[key] = new MessageState { Status = MessageStatus.Done, MessageId = message.MessageId };
                }
            }

            /// <summary>Moves the watermark over a finished message when nothing open lies below it; false when it cannot.</summary>
            private bool Advance(MessageKey id)
            {
                if (!_watermarked)
                    return false;
                _open.Remove(id.Position);
                if (_open.Count != 0 && _open.Min < id.Position)
                    _frontier = false;
                if (!_frontier || id.Position <= _mailbox.Watermark)
                    return false;
                _mailbox.Watermark = id.Position;
                // A set-aside message stays remembered, below the watermark too.
                if (_mailbox.Messages.TryGetValue(id.Key, out var entry) && entry.Status != MessageStatus.SetAside)
                    _mailbox.Messages.Remove(id.Key);
                return true;
            }

            /// <summary>Deletes what is to be deleted, forgets what is gone, and compacts the watermark.</summary>
            public void Finish(CancellationToken cancellationToken)
            {
                if (_toDelete.Count != 0)
                    Delete(cancellationToken);
                if (Options.WhatIf)
                    return;
                // A message the state remembers that a whole read no longer found is gone: deleted by this tool just
                // before a crash or with an answer that was lost, or by someone else. Nothing is left to do for it, and
                // remembering it would hold the watermark below it for ever. A read narrowed by date may just not have
                // listed it, and a watermark read does not list what lies below the watermark: those stay.
                if (ReadOptions.Since == null)
                {
                    var below = ReadOptions.After?.Position ?? 0;
                    foreach (var gone in _mailbox.Messages.Keys.Where(k => !_seen.Contains(k) && !(_watermarked && RunState.PositionOf(k) <= below)).ToList())
                        _mailbox.Messages.Remove(gone);
                }
                if (_watermarked)
                    RunState.Compact(_mailbox, Math.Max(_highest, _mailbox.Watermark));
            }

            private void Delete(CancellationToken cancellationToken)
            {
                var report = _p._report;
                if (Options.WhatIf)
                {
                    report.Deleted = _toDelete.Count;
                    return;
                }
                try
                {
                    _p._source.Delete(_toDelete.Select(d => d.Message).ToList(), cancellationToken);
                    report.Deleted = _toDelete.Count;
                    foreach (var (_, key) in _toDelete)
                        _mailbox.Messages.Remove(key);
                }
                catch (MailboxException e)
                {
                    // The events are written: the messages are Done and are not handled again; the next run deletes them.
                    report.Errors.Add($"{e.Message} Their events are written; the next run deletes them.");
                    foreach (var (m, key) in _toDelete)
                        _mailbox.Messages[key] = new MessageState { Status = MessageStatus.Done, MessageId = m.MessageId, DeletePending = true };
                }
            }
        }
    }
}
