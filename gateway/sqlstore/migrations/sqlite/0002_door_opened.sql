-- Door opens confirmed by the hardware. A workflow writes a compartment's
-- next state (loading, unloading) before it sends the door command; a
-- crash between the two leaves that state with a door that never opened.
-- opened_at is when the driver confirmed the door open in the
-- compartment's current state (NULL: not since the state was written), so
-- that start-up reconciliation takes a closed door for "opened and closed
-- again" only when the opening really happened.
--
-- The trigger voids the confirmation whenever the state changes, whatever
-- statement changes it: a confirmation never outlives the state it
-- confirmed. migrations/postgres/0002_door_opened.sql does the same with a
-- BEFORE trigger.
ALTER TABLE compartments ADD COLUMN opened_at TEXT;

CREATE TRIGGER compartments_opened_void AFTER UPDATE OF state ON compartments
FOR EACH ROW WHEN NEW.state IS NOT OLD.state AND NEW.opened_at IS NOT NULL
BEGIN
    UPDATE compartments SET opened_at = NULL WHERE bank = NEW.bank AND id = NEW.id;
END;
