-- Number 0013 belongs to another branch of issue 14 (perfdb was given 0015). This empty file only lets
-- this branch migrate on its own; the lead deletes it when merging that branch's real 0013.
SELECT 1;
