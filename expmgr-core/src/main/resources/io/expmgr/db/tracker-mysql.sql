-- The experiment tracker's MySQL tables, as its code declares them, in the order it
-- creates them. Each statement ends with a line holding only ';'.
    CREATE TABLE IF NOT EXISTS SCHEMA_VERSION (
        id INT PRIMARY KEY AUTO_INCREMENT,
        version VARCHAR(20) NOT NULL UNIQUE,
        migration_name VARCHAR(255) NOT NULL,
        description TEXT,
        applied_at DATETIME NOT NULL,
        rollback_script TEXT
    )
;
    CREATE TABLE IF NOT EXISTS EXPERIMENT (
        id INT PRIMARY KEY AUTO_INCREMENT,
        title VARCHAR(255) NOT NULL,
        `desc` TEXT,
        start_time DATETIME NOT NULL,
        update_time DATETIME NOT NULL
    )
;
    CREATE TABLE IF NOT EXISTS TRIAL (
        id INT PRIMARY KEY AUTO_INCREMENT,
        name VARCHAR(255) NOT NULL,
        experiment_id INT NOT NULL,
        start_time DATETIME NOT NULL,
        update_time DATETIME NOT NULL,
        FOREIGN KEY (experiment_id) REFERENCES EXPERIMENT(id)
    )
;
    CREATE TABLE IF NOT EXISTS TRIAL_RUN (
        id INT PRIMARY KEY AUTO_INCREMENT,
        trial_id INT NOT NULL,
        status VARCHAR(50) NOT NULL,
        start_time DATETIME NOT NULL,
        update_time DATETIME NOT NULL,
        FOREIGN KEY (trial_id) REFERENCES TRIAL(id)
    )
;
    CREATE TABLE IF NOT EXISTS RESULTS (
        trial_run_id INT PRIMARY KEY,
        time DATETIME NOT NULL,
        FOREIGN KEY (trial_run_id) REFERENCES TRIAL_RUN(id)
    )
;
    CREATE TABLE IF NOT EXISTS EPOCH (
        idx INT,
        trial_run_id INT,
        time DATETIME NOT NULL,
        PRIMARY KEY (idx, trial_run_id),
        FOREIGN KEY (trial_run_id) REFERENCES TRIAL_RUN(id)
    )
;
    CREATE TABLE IF NOT EXISTS BATCH (
        idx INT,
        epoch_idx INT,
        trial_run_id INT,
        time DATETIME NOT NULL,
        PRIMARY KEY (idx, epoch_idx, trial_run_id),
        FOREIGN KEY (epoch_idx, trial_run_id) REFERENCES EPOCH(idx, trial_run_id)
    )
;
    CREATE TABLE IF NOT EXISTS METRIC (
        id INT PRIMARY KEY AUTO_INCREMENT,
        type VARCHAR(50) NOT NULL,
        total_val FLOAT NOT NULL,
        per_label_val JSON
    )
;
    CREATE TABLE IF NOT EXISTS ARTIFACT (
        id INT PRIMARY KEY AUTO_INCREMENT,
        type VARCHAR(50) NOT NULL,
        loc VARCHAR(255) NOT NULL
    )
;
    CREATE TABLE IF NOT EXISTS EXPERIMENT_ARTIFACT (
        experiment_id INT,
        artifact_id INT,
        PRIMARY KEY (experiment_id, artifact_id),
        FOREIGN KEY (experiment_id) REFERENCES EXPERIMENT(id),
        FOREIGN KEY (artifact_id) REFERENCES ARTIFACT(id)
    )
;
    CREATE TABLE IF NOT EXISTS TRIAL_ARTIFACT (
        trial_id INT,
        artifact_id INT,
        PRIMARY KEY (trial_id, artifact_id),
        FOREIGN KEY (trial_id) REFERENCES TRIAL(id),
        FOREIGN KEY (artifact_id) REFERENCES ARTIFACT(id)
    )
;
    CREATE TABLE IF NOT EXISTS RESULTS_METRIC (
        results_id INT,
        metric_id INT,
        PRIMARY KEY (results_id, metric_id),
        FOREIGN KEY (results_id) REFERENCES RESULTS(trial_run_id),
        FOREIGN KEY (metric_id) REFERENCES METRIC(id)
    )
;
    CREATE TABLE IF NOT EXISTS RESULTS_ARTIFACT (
        results_id INT,
        artifact_id INT,
        PRIMARY KEY (results_id, artifact_id),
        FOREIGN KEY (results_id) REFERENCES RESULTS(trial_run_id),
        FOREIGN KEY (artifact_id) REFERENCES ARTIFACT(id)
    )
;
    CREATE TABLE IF NOT EXISTS EPOCH_METRIC (
        epoch_idx INT,
        epoch_trial_run_id INT,
        metric_id INT,
        PRIMARY KEY (epoch_idx, epoch_trial_run_id, metric_id),
        FOREIGN KEY (epoch_idx, epoch_trial_run_id) REFERENCES EPOCH(idx, trial_run_id),
        FOREIGN KEY (metric_id) REFERENCES METRIC(id)
    )
;
    CREATE TABLE IF NOT EXISTS EPOCH_ARTIFACT (
        epoch_idx INT,
        epoch_trial_run_id INT,
        artifact_id INT,
        PRIMARY KEY (epoch_idx, epoch_trial_run_id, artifact_id),
        FOREIGN KEY (epoch_idx, epoch_trial_run_id) REFERENCES EPOCH(idx, trial_run_id),
        FOREIGN KEY (artifact_id) REFERENCES ARTIFACT(id)
    )
;
    CREATE TABLE IF NOT EXISTS TRIAL_RUN_ARTIFACT (
        trial_run_id INT,
        artifact_id INT,
        PRIMARY KEY (trial_run_id, artifact_id),
        FOREIGN KEY (trial_run_id) REFERENCES TRIAL_RUN(id),
        FOREIGN KEY (artifact_id) REFERENCES ARTIFACT(id)
    )
;
    CREATE TABLE IF NOT EXISTS BATCH_METRIC (
        batch_idx INT,
        epoch_idx INT,
        trial_run_id INT,
        metric_id INT,
        PRIMARY KEY (batch_idx, epoch_idx, trial_run_id, metric_id),
        FOREIGN KEY (batch_idx, epoch_idx, trial_run_id) REFERENCES BATCH(idx, epoch_idx, trial_run_id),
        FOREIGN KEY (metric_id) REFERENCES METRIC(id)
    )
;
    CREATE TABLE IF NOT EXISTS BATCH_ARTIFACT (
        batch_idx INT,
        epoch_idx INT,
        trial_run_id INT,
        artifact_id INT,
        PRIMARY KEY (batch_idx, epoch_idx, trial_run_id, artifact_id),
        FOREIGN KEY (batch_idx, epoch_idx, trial_run_id) REFERENCES BATCH(idx, epoch_idx, trial_run_id),
        FOREIGN KEY (artifact_id) REFERENCES ARTIFACT(id)
    )
;
