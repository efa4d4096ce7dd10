## distribution extras
