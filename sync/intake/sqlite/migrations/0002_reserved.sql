-- Reserved for the migration another branch (i10) adds at the same time;
-- this placeholder keeps the versions contiguous and is replaced by that
-- migration when the branches are merged.
SELECT 1;
