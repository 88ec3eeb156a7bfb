"""Migration files ``NNNN_name.sql``, applied in version order by ``sm2_adapters.postgres.migrate``.

Never edit a file once it has shipped: its checksum is recorded when applied, and ``upgrade``
refuses to run when it changes. Put every change in a new file with the next number.
"""
