-- +goose Up
-- A data subject's access request (GET /api/v1/contacts/{number}/history)
-- reads one person's consent records, messages, decisions and what they
-- wrote; without these indexes each is a scan of the whole table.
CREATE INDEX consent_records_contact ON consent_records (tenant_id, contact_key, seq);
CREATE INDEX messages_recipient ON messages (tenant_id, wa_id, seq);
CREATE INDEX decisions_recipient ON decisions (tenant_id, wa_id, id);
CREATE INDEX inbound_from ON inbound_messages (wa_from, ts);

-- +goose Down
DROP INDEX inbound_from;
DROP INDEX decisions_recipient;
DROP INDEX messages_recipient;
DROP INDEX consent_records_contact;
