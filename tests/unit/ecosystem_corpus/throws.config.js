throw new Error('the config could not be built: DATABASE_URL is missing');
