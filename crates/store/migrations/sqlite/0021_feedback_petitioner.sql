-- The petitioner's số định danh, when they sent the feedback from their account (their list of
-- feedback reads it), and whether the feedback is confirmed anonymous.
ALTER TABLE feedback ADD COLUMN petitioner TEXT;
UPDATE feedback SET petitioner = json_extract(petition, '$.id_number');
CREATE INDEX feedback_petitioner ON feedback (petitioner, received_ms) WHERE petitioner IS NOT NULL;
