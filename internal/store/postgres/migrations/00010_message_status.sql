-- +goose Up
-- Meta's message_status from the send answer (accepted,
-- held_for_quality_assessment, paused; '' when Meta gave none), kept so the
-- gateway can report it instead of a plain "sent".
ALTER TABLE messages ADD COLUMN message_status text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE messages DROP COLUMN message_status;
