-- Reserved for another change being made at the same time (branch i11a);
-- this placeholder keeps the versions contiguous and is replaced when the
-- branches are merged.
SELECT 1;
