"""Hooks the vault owns (common.hooks): higher apps subscribe from their ready().

- `records_erasing` — records are about to be erased from every version
  (vault.erasure.records_erase; search's purge fires it just before calling it). Fired
  (a receiver's failure stops the purge before anything is erased) with `org`,
  `records` ({object name: [record Id, ...]}) and `versions` ({object name:
  [(valid_from, valid_to or None), ...]}, the snapshot intervals of the versions being
  erased). Each receiver deletes what it keeps outside the vault that may hold those
  records and answers how many files (exports/: the export files as of a snapshot
  inside an interval).
- `key_retiring` — a key rotation (vault/rotation.py) has re-encrypted every segment,
  blob and metadata row and is about to retire the replaced data keys. Fired with
  `org`, `data_key` (the org's Keyring, still holding the old keys) and `old_key_ids`
  (hex ids, as `common.crypto.ciphertext_key_id` names them). Each receiver re-seals
  with `data_key` whatever it keeps encrypted with an old key (export files, archive
  messages, ...) and answers a list of reasons it could not yet (plain sentences);
  while any reason is given the rotation waits and asks again, so no ciphertext is
  left that only a retired key opens.
"""

from common.hooks import Hook

records_erasing = Hook("vault.records_erasing")
key_retiring = Hook("vault.key_retiring")
