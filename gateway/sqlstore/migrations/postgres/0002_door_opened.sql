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
-- confirmed. migrations/sqlite/0002_door_opened.sql does the same with an
-- AFTER trigger (SQLite's triggers cannot change NEW).
ALTER TABLE compartments ADD COLUMN opened_at TIMESTAMPTZ;

CREATE FUNCTION compartments_opened_void() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state IS DISTINCT FROM OLD.state THEN
        NEW.opened_at := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER compartments_opened_void BEFORE UPDATE ON compartments
    FOR EACH ROW EXECUTE FUNCTION compartments_opened_void();
