-- The supporter card lists a supporter's calls, newest first
-- (Store.SupporterCalls); without an index it read every call of the
-- organisation. One more entry per supporter leg a claim inserts.
CREATE INDEX call_records_supporter ON call_records (supporter_id, originated_at DESC, id DESC)
    WHERE leg = 'supporter';
