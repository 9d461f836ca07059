-- Issue 10, part 5: the programme (timetable) of a seminar application: each lecture with its
-- subject, lecturer, minutes and the category it grants (a 前期 lecture's category is its item).
CREATE TABLE seminar_lectures (
    seminar_id BIGINT NOT NULL REFERENCES seminars (id) ON DELETE CASCADE,
    position SMALLINT NOT NULL CHECK (position > 0),
    subject TEXT NOT NULL,
    lecturer TEXT NOT NULL,
    minutes INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),
    category TEXT NOT NULL,
    PRIMARY KEY (seminar_id, position)
);
