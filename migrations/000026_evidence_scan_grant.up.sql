-- Malware scanning (issue 17): a file uploaded while the scanner could not
-- be reached is held as 'checking' until the worker scans it again and
-- marks it 'clean' (an infected one is deleted, which tally_app may do
-- already). The app role may change that column alone: a file's name,
-- content and digest stay as uploaded.
GRANT UPDATE (scan) ON evidence TO tally_app;
