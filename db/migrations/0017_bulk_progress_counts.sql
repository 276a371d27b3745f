CREATE INDEX "bulk_items_refused_idx" ON "bulk_items" USING btree ("operation_id","line") WHERE status = 'refused';--> statement-breakpoint
-- An operation's applied and refused counts follow its rows: once per statement (a page flushes its rows' statuses
-- in batches), from the rows the statement changed, so the counts stay exact whatever path writes a status.
CREATE FUNCTION bulk_items_counts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    UPDATE bulk_operations o SET applied = o.applied + d.applied, refused = o.refused + d.refused
    FROM (SELECT operation_id, count(*) FILTER (WHERE status = 'applied') AS applied, count(*) FILTER (WHERE status = 'refused') AS refused
          FROM new_items GROUP BY operation_id) d
    WHERE o.id = d.operation_id AND (d.applied <> 0 OR d.refused <> 0);
  ELSE
    UPDATE bulk_operations o SET applied = o.applied + d.applied, refused = o.refused + d.refused
    FROM (SELECT operation_id, sum(CASE WHEN status = 'applied' THEN sign ELSE 0 END) AS applied, sum(CASE WHEN status = 'refused' THEN sign ELSE 0 END) AS refused
          FROM (SELECT operation_id, status, 1 AS sign FROM new_items UNION ALL SELECT operation_id, status, -1 FROM old_items) t
          GROUP BY operation_id) d
    WHERE o.id = d.operation_id AND (d.applied <> 0 OR d.refused <> 0);
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER bulk_items_counts_insert AFTER INSERT ON bulk_items REFERENCING NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION bulk_items_counts();
--> statement-breakpoint
CREATE TRIGGER bulk_items_counts_update AFTER UPDATE ON bulk_items REFERENCING OLD TABLE AS old_items NEW TABLE AS new_items FOR EACH STATEMENT EXECUTE FUNCTION bulk_items_counts();
--> statement-breakpoint
-- the operations already there
UPDATE bulk_operations o SET
  applied = (SELECT count(*) FROM bulk_items i WHERE i.operation_id = o.id AND i.status = 'applied'),
  refused = (SELECT count(*) FROM bulk_items i WHERE i.operation_id = o.id AND i.status = 'refused');
