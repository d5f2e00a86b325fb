namespace SmartEmail.Run
{
    /// <summary>Where one message stands in the run's steps.</summary>
    internal enum MessageStatus
    {
        /// <summary>Its event files are prepared in the work folder and recorded, but maybe not all moved into MSGIN.</summary>
        Pending,
        /// <summary>Its events are in MSGIN (or accepted by the API).</summary>
        EventsWritten,
        /// <summary>Everything is done; the message is not processed again.</summary>
        Done,
        /// <summary>It failed (unreadable, or an event could not be written); it is tried again next run.</summary>
        Failed,
        /// <summary>It failed for a reason of its own [General] MaxAttempts times: it is not tried again, and not deleted.</summary>
        SetAside,
    }
}
