-- What a real Asterisk showed (issue 18).
--
-- The far end is shown the organisation's identity on every leg (R10.2):
-- its number (caller_id) and, where carriers pass names, its name.
ALTER TABLE organisations
    ADD COLUMN caller_name text
        CONSTRAINT caller_name_fits_a_sip_display_name CHECK (caller_name ~ '^[^"<>\\\r\n]{1,64}$'),
    -- The leader hears ringback while a supporter rings (R4.2): a tone of
    -- this zone of asterisk-config/indications.conf. Without a zone
    -- Asterisk plays nothing at all.
    ADD COLUMN tone_zone text NOT NULL DEFAULT 'uk'
        CONSTRAINT tone_zone_is_a_zone_name CHECK (tone_zone ~ '^[a-z]{2}$'),
    -- R4.1: a key from the leader shows a person answered, not their
    -- voicemail, before the first supporter is dialled.
    ADD COLUMN confirm_leader boolean NOT NULL DEFAULT true,
    ADD COLUMN leader_confirm_timeout interval NOT NULL DEFAULT '15 seconds'
        CONSTRAINT leader_confirm_timeout_between_5_and_60_seconds
        CHECK (leader_confirm_timeout BETWEEN '5 seconds' AND '60 seconds');

UPDATE organisations SET tone_zone = lower(phone_region)
WHERE phone_region IN ('US', 'FR', 'DE', 'AU', 'NZ', 'NL', 'ES', 'IT');
UPDATE organisations SET tone_zone = 'us' WHERE phone_region = 'CA';

-- Why the leader's last phone call ended without them hanging up (no key
-- pressed: a voicemail answered), for the panel; cleared by the next Start
-- or Resume.
ALTER TABLE calling_sessions ADD COLUMN pause_reason text
    CONSTRAINT pause_reason_is_1_to_500_characters CHECK (length(pause_reason) BETWEEN 1 AND 500);
