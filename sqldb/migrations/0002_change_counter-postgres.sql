-- changeId values come from a sequence: unlike a counter row it does not
-- serialise concurrent writers, and it never hands out a value twice.
CREATE SEQUENCE change_seq;
